"""Version control: GitHub and GitLab webhooks that link commits and merge requests to items."""
