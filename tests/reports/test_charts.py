"""The server-drawn charts' arithmetic: an empty delivery queue keeps a scale (0 at the
baseline, 1 at the top, not "0" twice), and each organisation unit's stacked bar splits the
full width by its shares and writes each count that has room."""
from __future__ import annotations

import re

import pytest

from elearn.web.charts import line_chart, stacked_bars


def test_an_empty_queue_has_a_scale_from_0_to_1():
    chart = line_chart(["a", "b", "c"], {"eoppiva": [0, 0, 0]})
    assert chart.maximum == 1
    assert {y for _x, y in chart.lines[0].markers} == {chart.baseline}


def test_the_highest_point_reaches_the_top():
    chart = line_chart(["a", "b"], {"eoppiva": [3, 6]})
    assert chart.maximum == 6 and chart.lines[0].markers[1][1] == chart.top


def test_stacked_bars_split_the_width_by_shares():
    chart = stacked_bars([("Unit A", [3, 1, 0]), ("Unit B", [0, 0, 0])],
                         ["Completed", "In progress", "Not started"], width=600, left=170)
    first, empty = chart.rows
    assert [s.series for s in first.segments] == [0, 1]  # nothing drawn for zero
    assert sum(s.width for s in first.segments) == pytest.approx(chart.plot_width, abs=0.2)
    assert first.segments[0].width == pytest.approx(chart.plot_width * 3 / 4, abs=0.1)
    assert [s.text for s in first.segments] == ["3", "1"]
    assert empty.total == 0 and empty.segments == []
    narrow = stacked_bars([("U", [99, 1])], ["a", "b"]).rows[0].segments
    assert narrow[1].text == "", "a count with no room is left to the table"


def test_delivery_page_with_an_empty_queue_labels_the_axis_0_and_1(app, client_as):
    app.config["LRS_DESTINATIONS"] = [{"name": "eoppiva", "endpoint": "http://127.0.0.1:9/x/",
                                       "username": "u", "password": "p"}]
    html = client_as("hr").get("/hr/delivery").get_data(as_text=True)
    svg = html.split('id="backlog-title"')[1].split("</svg>")[0]
    axis = re.findall(r'text-anchor="end" fill="#1b1f24" font-size="11">(\d+)</text>', svg)
    assert axis == ["1", "0"]
