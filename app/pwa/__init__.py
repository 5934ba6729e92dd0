"""The installable app: its manifest, its service worker and the page it shows offline."""
