"""The model manager: installed models, the recommended list, Hub search and the download queue."""
