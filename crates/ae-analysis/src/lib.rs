//! ae-analysis
