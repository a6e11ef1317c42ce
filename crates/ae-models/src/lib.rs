//! ae-models
