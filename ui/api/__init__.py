"""The HTTP JSON API: the FastAPI app (`app`), pre-forked workers (`server`) and a load client (`load`)."""
