cat /seed-seen
