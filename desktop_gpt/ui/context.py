"""The services one window shares: paths, settings, the database, the conversation store and the engine."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop_gpt import log
from desktop_gpt.i18n import ngettext
from desktop_gpt.paths import AppPaths, app_paths
from desktop_gpt.settings import Settings, load_settings
from desktop_gpt.storage import ConversationStore, Database
from desktop_gpt.ui.engine_controller import EngineController


@dataclass
class AppContext:
    """Everything long-lived, created once at start-up and closed once at exit.

    Attributes:
        problems: messages for the user found while starting (a bad settings file, interrupted replies…).
    """

    paths: AppPaths
    settings: Settings
    db: Database
    store: ConversationStore
    controller: EngineController
    problems: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, paths: AppPaths | None = None) -> "AppContext":
        paths = (paths or app_paths()).ensure()
        log.setup_logging(paths.logs, "app.log")
        loaded = load_settings(paths)
        db = Database(paths.database)
        store = ConversationStore(db)
        problems = list(loaded.problems)
        interrupted = store.recover_interrupted()
        if interrupted:
            problems.append(ngettext(
                "{n} reply was being written when Desktop GPT last closed; what was written is kept and marked "
                "incomplete.",
                "{n} replies were being written when Desktop GPT last closed; what was written is kept and marked "
                "incomplete.", interrupted).format(n=interrupted))
        controller = EngineController(store, loaded.settings, log_dir=str(paths.logs))
        return cls(paths, loaded.settings, db, store, controller, problems)

    def close(self) -> None:
        self.controller.shutdown()
        self.db.close()
