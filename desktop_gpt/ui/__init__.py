"""The Qt layer: shows state and sends requests; long work runs elsewhere and reports back through signals."""
