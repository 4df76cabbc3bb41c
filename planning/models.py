"""Release planning: milestones of a release's schedule and freeze windows."""
