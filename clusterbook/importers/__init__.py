"""Readers that turn filled workbooks into a Proposal."""
