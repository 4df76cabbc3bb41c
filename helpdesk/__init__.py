"""Help-desk tickets caused by releases and fixed by changes."""
