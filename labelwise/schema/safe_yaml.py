"""The YAML loader for every file a user hands us (label schemas, YOLO data.yaml): PyYAML's safe loader without
anchors and aliases, since a few hundred bytes of nested aliases expand to gigabytes ("billion laughs") and
these files never need them."""

import yaml

__all__ = ["NoAliasLoader"]


class NoAliasLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that refuses anchors (`&name`) and aliases (`*name`) before anything is expanded."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, "YAML anchors (&) and aliases (*) are not accepted",
                                              event.start_mark)
        return super().compose_node(parent, index)
