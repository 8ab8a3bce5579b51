"""CrossValidationAggregate: mean, std and 95% interval of k fold evaluations, and a gate."""
