"""The load pipeline: plan, pre-flight, run parts as Bulk API 2.0 jobs, save results."""
