//! `llmcost report --only pareto`: CLI tests on hand-checked fixtures (being written).
