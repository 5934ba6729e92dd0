"""Your data: an export of everything an account holds, and deleting the account."""
