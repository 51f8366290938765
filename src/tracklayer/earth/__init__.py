"""Earth model: constants, time, reference frames and atmosphere."""
