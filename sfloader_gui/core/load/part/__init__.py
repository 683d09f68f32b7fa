"""One part of a load as one Bulk API 2.0 job, a step a module: ``core.load.runner.run_part`` runs them."""
