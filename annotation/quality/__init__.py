"""Quality engine: pure functions and frozen dataclasses, no Django (like ``agreement``).

``live`` keeps one annotator's running quality and the pause rule, ``overlap`` decides how many
labels a clip gets, ``replay`` and ``simulate`` exercise both on real and simulated answers,
``anchoring`` measures how much shown model drafts pull annotators towards the model.
"""
