"""django-simple-history's history manager, built once per model instead of on every access.

The library's `HistoryDescriptor.__get__` calls `Manager.from_queryset()`, which makes a new
class (walking the queryset's methods with `inspect.getmembers`) each time `instance.history`
or `Model.history` is read, and it reads it for every journal row it writes: ~0.2 ms of CPU,
a few percent of a move (docs/PERFORMANCE.md). The class it builds is always the same, so it
is built once here; the manager returned is the library's own, bound as before.
"""

from django.apps import apps
from simple_history.manager import HistoryDescriptor


class HistoryDescriptorBuiltOnce(HistoryDescriptor):
    def __init__(self, original: HistoryDescriptor) -> None:
        super().__init__(
            original.model, manager=original.manager_class, queryset=original.queryset_class
        )
        self.built = original.manager_class.from_queryset(original.queryset_class)

    def __get__(self, instance, owner):
        return self.built(self.model, instance)


def history_descriptors_build_once() -> None:
    """Swap every tracked model's history descriptor for one that builds its class once."""
    for model in apps.get_models():
        name = getattr(model._meta, "simple_history_manager_attribute", None)
        descriptor = model.__dict__.get(name) if name else None
        if type(descriptor) is HistoryDescriptor:
            setattr(model, name, HistoryDescriptorBuiltOnce(descriptor))
