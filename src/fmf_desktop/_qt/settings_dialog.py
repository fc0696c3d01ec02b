"""Settings: which shops get buttons (and the user's own shops), "not sure" threshold,
and how many threads the model may use."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fmf_desktop import shops as shop_data
from fmf_desktop._qt.secondary_text import mark_secondary
from fmf_desktop._qt.settings import AppSettings, max_thread_count
from fmf_desktop._qt.status_color import mark_status


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: AppSettings,
        *,
        model_threshold: float | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._settings = settings
        em = self.fontMetrics().height()

        # -- shops -----------------------------------------------------------------
        self.shop_list = QListWidget()
        self.shop_list.setAccessibleName("Shops")
        self.shop_list.setMinimumHeight(em * 10)
        self.shop_list.currentRowChanged.connect(self._update_remove_button)
        for shop in settings.shops():
            self._add_shop_item(shop)

        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("Shop name")
        self.new_name.setAccessibleName("New shop name")
        self.new_template = QLineEdit()
        self.new_template.setPlaceholderText("https://example.com/search?q={query}")
        self.new_template.setAccessibleName("New shop search address with {query}")
        self.add_button = QPushButton("&Add shop")
        self.add_button.clicked.connect(self.add_custom_shop)
        self.remove_button = QPushButton("&Remove shop")
        self.remove_button.setToolTip("Only shops you added can be removed; untick others")
        self.remove_button.clicked.connect(self.remove_selected_shop)
        self.remove_button.setAutoDefault(False)  # Return must not remove a shop
        self.shop_error = QLabel()
        mark_status(self.shop_error, "error")
        self.shop_error.setWordWrap(True)
        self.shop_error.hide()

        add_row = QHBoxLayout()
        add_row.addWidget(self.new_name, 1)
        add_row.addWidget(self.new_template, 3)
        add_row.addWidget(self.add_button)
        shops_box = QGroupBox("Shop buttons")
        shops_layout = QVBoxLayout(shops_box)
        hint = QLabel(
            "Ticked shops get a button under each result. Add your own with a search "
            "address in which {query} stands for the search words."
        )
        hint.setWordWrap(True)
        mark_secondary(hint)
        shops_layout.addWidget(hint)
        shops_layout.addWidget(self.shop_list)
        shops_layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)
        shops_layout.addLayout(add_row)
        shops_layout.addWidget(self.shop_error)

        # -- recognition -----------------------------------------------------------
        default = model_threshold if model_threshold is not None else 0.5
        # In percent, like every confidence the app shows; stored as a fraction.
        self.threshold = QSpinBox()
        self.threshold.setAccessibleName("Not sure threshold, percent")
        self.threshold.setRange(0, 99)
        self.threshold.setSingleStep(5)
        self.threshold.setSuffix("%")
        # The minimum doubles as "use the model's calibrated value".
        self.threshold.setSpecialValueText(f"Model default ({round(default * 100)}%)")
        user_threshold = settings.unsure_threshold()
        self.threshold.setValue(round(user_threshold * 100) if user_threshold is not None else 0)
        self.threads = QSpinBox()
        self.threads.setAccessibleName("Inference threads")
        self.threads.setRange(1, max_thread_count())
        self.threads.setValue(settings.inference_threads())

        recog_box = QGroupBox("Recognition")
        form = QFormLayout(recog_box)
        threshold_hint = "A higher threshold says “not sure” more often but is wrong less often."
        note = QLabel(threshold_hint)
        note.setWordWrap(True)
        mark_secondary(note)  # readable grey, not the "disabled" one
        # Read out with the spin box too: the hint is about it, not about the threads.
        self.threshold.setAccessibleDescription(threshold_hint)
        form.addRow("“Not sure” below confidence:", self.threshold)
        form.addRow("", note)  # under the threshold's box, the row it explains
        form.addRow("Threads for the model:", self.threads)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        # While the new shop's fields have focus, Return adds the shop (and "Add shop"
        # shows as the default button) instead of pressing OK and closing the dialog.
        for edit in (self.new_name, self.new_template):
            edit.installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.addWidget(shops_box, 1)
        layout.addWidget(recog_box)
        layout.addWidget(buttons)
        # Tall enough for the wrapped hints at this width (sizeHint alone measures them
        # unwrapped, and the shop list's buttons then overlapped it).
        width = em * 36
        needed = (layout.totalHeightForWidth(width) if layout.hasHeightForWidth()
                  else self.sizeHint().height())
        self.resize(width, max(em * 30, needed))
        self._update_remove_button(self.shop_list.currentRow())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched in (self.new_name, self.new_template):
            if event.type() == QEvent.Type.FocusIn:
                self.add_button.setDefault(True)
            elif event.type() == QEvent.Type.FocusOut:
                self.ok_button.setDefault(True)
        return super().eventFilter(watched, event)

    # -- shops -----------------------------------------------------------------------
    def _add_shop_item(self, shop: shop_data.Shop) -> QListWidgetItem:
        suffix = "" if shop.builtin else "  (yours)"
        item = QListWidgetItem(f"{shop.name}{suffix}")
        item.setToolTip(shop.url_template)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if shop.enabled else Qt.CheckState.Unchecked)
        item.setData(Qt.ItemDataRole.UserRole, shop)
        self.shop_list.addItem(item)
        return item

    def shops(self) -> list[shop_data.Shop]:
        result = []
        for row in range(self.shop_list.count()):
            item = self.shop_list.item(row)
            shop: shop_data.Shop = item.data(Qt.ItemDataRole.UserRole)
            enabled = item.checkState() == Qt.CheckState.Checked
            result.append(replace(shop, enabled=enabled))
        return result

    def add_custom_shop(self) -> bool:
        name = self.new_name.text().strip()
        template = self.new_template.text().strip()
        if not name:
            return self._shop_problem("Give the shop a name.")
        if any(s.name.lower() == name.lower() for s in self.shops()):
            return self._shop_problem(f"There is already a shop called {name}.")
        try:
            shop = shop_data.Shop(name=name, url_template=template, enabled=True, builtin=False)
        except shop_data.ShopConfigError as exc:
            return self._shop_problem(str(exc))
        self.shop_error.hide()
        self.shop_list.setCurrentItem(self._add_shop_item(shop))
        self.new_name.clear()
        self.new_template.clear()
        return True

    def remove_selected_shop(self) -> None:
        item = self.shop_list.currentItem()
        if item is None:
            return
        shop: shop_data.Shop = item.data(Qt.ItemDataRole.UserRole)
        if not shop.builtin:
            self.shop_list.takeItem(self.shop_list.row(item))

    def _update_remove_button(self, row: int) -> None:
        item = self.shop_list.item(row) if row >= 0 else None
        shop = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self.remove_button.setEnabled(bool(shop is not None and not shop.builtin))

    def _shop_problem(self, message: str) -> bool:
        self.shop_error.setText(message)
        self.shop_error.show()
        return False

    # -- saving ----------------------------------------------------------------------
    def unsure_threshold(self) -> float | None:
        percent = self.threshold.value()
        return None if percent <= 0 else percent / 100

    def accept(self) -> None:
        # A shop typed in but not added yet would silently vanish; add it or say why not.
        if (self.new_name.text().strip() or self.new_template.text().strip()) and not (
            self.add_custom_shop()
        ):
            return
        self._settings.set_shops(self.shops())
        self._settings.set_unsure_threshold(self.unsure_threshold())
        self._settings.set_inference_threads(self.threads.value())
        self._settings.sync()
        super().accept()
