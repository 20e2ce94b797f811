"""Classes: teachers' class pages (members, join code, assignments, results, exports) and learners' (joining,
their assigned work, leaving)."""
