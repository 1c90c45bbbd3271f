cat /site-seen
