"""Weak supervision in a project: stored labeling functions and votes (`functions`), their analysis and
the label model whose output becomes predictions (`label_model`). The algorithms live in
`labelwise.assist.weak`."""
