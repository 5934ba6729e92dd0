"""Pictures: uploads, avatars, where their files live, and which posts show them."""
