"""SLRT console: server-rendered screens over the four services' APIs, called with the signed-in officer's token.
It keeps no case data of its own; its only state is the sign-in sessions."""
