cat /conf-seen
