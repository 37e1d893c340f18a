"""SLRT shared kernel: what every service needs and nothing any one service owns."""
