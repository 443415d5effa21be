"""How the functions are wired: the route table, the local gateway and (later) the CDK app."""
