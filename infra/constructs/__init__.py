"""The building blocks of ChatFlow360's AWS account: each one a construct, composed by infra/stacks.

Import as `infra.constructs.<module>`; the package shares its name with the `constructs` library, so
the CDK app must run as a module from the repository root (`python -m infra.app`), never as a script
from inside infra/.
"""
