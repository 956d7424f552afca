// LSQMMine
