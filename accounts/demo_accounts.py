"""The demo accounts seed_demo creates, declared here so that accounts (the bottom layer) can refuse
their well-known passwords in production without importing the demo, which is built on every app."""

DEMO_ACCOUNTS = (
    # username, password, staff and superuser
    ("admin", "admin", True),
    ("demo", "demo", False),
)
