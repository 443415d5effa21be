"""Who is calling the dashboard API: Cognito sign-in, and verification of its tokens."""
