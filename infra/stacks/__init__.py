"""The stacks of one environment: Network → Data → App → Frontend, deployed in that order."""
