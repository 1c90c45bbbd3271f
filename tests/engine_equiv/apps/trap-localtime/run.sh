cat /epoch-hour
