"""Page layouts (pure functions of their URL parameters) and the figures they show."""
