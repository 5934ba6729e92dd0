"""Admin pages for moderators and admins, and the audit log of what they do."""
