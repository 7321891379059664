//! `llmcost report --only environments`: CLI tests on hand-checked fixtures (being written).
