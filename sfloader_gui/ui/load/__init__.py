"""One load in the app: the engine bridge, controller, workers, jobs model and panel, summary, cancel."""
