"""Safety for everyone: blocks, mutes and reports."""
