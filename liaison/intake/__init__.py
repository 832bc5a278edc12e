"""Document intake: reading documents and proposing the records they imply (issue 5)."""
