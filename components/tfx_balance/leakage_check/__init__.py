"""LeakageCheck: examples in two splits and synthetic examples outside training fail the run."""
