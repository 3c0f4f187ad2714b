"""clusterbook: proposal workbooks, checks and a master register for the SME digital cluster program."""

__version__ = "0.1.0"
