"""Success stories of completed mentorships."""
