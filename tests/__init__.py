"""clusterbook tests."""
