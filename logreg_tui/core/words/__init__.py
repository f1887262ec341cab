"""What the screen says: lessons and presets, number formatting, what the terminal can show, homework's words."""
