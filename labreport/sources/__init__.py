"""One module per data source, each declaring ``SOURCE`` (labreport.sources.registry.Source).

Keep these modules light: the spec's dataset union imports every one of them, so a loader's heavy
imports (NumPy readers, Keras) belong inside its functions or in the loader's own module.
"""
