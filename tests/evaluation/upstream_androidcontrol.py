"""The published AndroidControl matchers, kept as their authors wrote them (trimmed to the
matching logic: no printing, logging or image drawing), to compare ``androidcontrol_matching``
against on generated cases.

1. AgentCPM-GUI, ``eval/utils/evaluator.py`` @ acbaf50 (OpenBMB/AgentCPM-GUI).
   Copyright OpenBMB; licensed under the Apache License, Version 2.0.
2. UI-S1, ``UI-S1/evaluation/qwenvl_utils.py`` @ 3f55eab (X-PLUG/MobileAgent).
   Copyright (c) 2022 mPLUG; licensed under the MIT License.
3. OS-Atlas, ``eval/eval_scripts/android_control/evaluation_unify.py`` @ bad0840
   (OS-Copilot/OS-Atlas). Licensed under the Apache License, Version 2.0.

Apache License 2.0: http://www.apache.org/licenses/LICENSE-2.0 . MIT License: permission is
hereby granted, free of charge, to any person obtaining a copy of this software, to deal in it
without restriction, provided the copyright notice and this permission notice are included.
"""
# ruff: noqa: SIM108

from __future__ import annotations

import copy
import math

import numpy as np

# ----------------------------------------------------------------------------------------------
# 1. AgentCPM-GUI (Apache-2.0)

_TAP_DISTANCE_THRESHOLD = 0.14
_TAP_DISTANCE_THRESHOLD_AC = 0.04
_SWIPE_DISTANCE_THRESHOLD = 0.04
ANNOTATION_WIDTH_AUGMENT_FRACTION = 1.2
ANNOTATION_HEIGHT_AUGMENT_FRACTION = 1.2


def _resize_annotation_bounding_boxes(annotation_position, width_factor=1.2, height_factor=1.2):
    def _resize(box):
        y, x, h, w = box
        h_delta = (height_factor - 1) * h
        w_delta = (width_factor - 1) * w
        y = max(0, y - h_delta / 2)
        x = max(0, x - w_delta / 2)
        h = min(1, h + h_delta)
        w = min(1, w + w_delta)
        return [y, x, h, w]

    if not annotation_position:
        return []
    if isinstance(annotation_position[0], list):
        return [_resize(b) for b in annotation_position]
    return _resize(annotation_position)


def is_tap_action(normalized_start_yx, normalized_end_yx):
    distance = np.linalg.norm(np.array(normalized_start_yx) - np.array(normalized_end_yx))
    return distance <= _SWIPE_DISTANCE_THRESHOLD


def obtain_gt_bbox(coordinate, bbox_list, eval_android_control=False):
    x, y = coordinate["x"], coordinate["y"]
    if len(bbox_list) == 0:
        return []
    assert eval_android_control

    def get_center_distance(box):
        ymin, xmin, h, w = box
        center_y = ymin + h / 2
        center_x = xmin + w / 2
        return ((center_y - y) ** 2 + (center_x - x) ** 2) ** 0.5

    sorted_boxes = sorted(bbox_list, key=get_center_distance)
    return sorted_boxes[:5]


def _get_direction(point1, point2):
    try:
        x1, y1 = point1["x"], point1["y"]
        x2, y2 = point2["x"], point2["y"]
        vector = (x2 - x1, y2 - y1)
        vx, vy = vector
    except Exception:
        return "no direction"
    directions = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}
    vector_length = math.sqrt(vx**2 + vy**2)
    if vector_length == 0:
        return "no direction"
    unit_vector = (vx / vector_length, vy / vector_length)
    max_cosine = -float("inf")
    closest_direction = None
    for direction, dir_vector in directions.items():
        dx, dy = dir_vector
        dir_length = math.sqrt(dx**2 + dy**2)
        cos_theta = (unit_vector[0] * dx + unit_vector[1] * dy) / dir_length
        if cos_theta > max_cosine:
            max_cosine = cos_theta
            closest_direction = direction
    return closest_direction


def cpm_click_exact(gt_action_yx, gt_cand_nodes, pd_action_yx):
    """The click branch of ``ActionEvaluator.__call__`` with ``eval_android_control=True``."""
    gt_cand_nodes = _resize_annotation_bounding_boxes(
        gt_cand_nodes, ANNOTATION_WIDTH_AUGMENT_FRACTION, ANNOTATION_HEIGHT_AUGMENT_FRACTION
    )
    gt_bbox = obtain_gt_bbox(gt_action_yx, gt_cand_nodes, True)
    if gt_bbox == []:
        y_gt, x_gt = gt_action_yx["y"], gt_action_yx["x"]
        y_pd, x_pd = pd_action_yx["y"], pd_action_yx["x"]
        distance = np.linalg.norm(np.array([x_gt, y_gt]) - np.array([x_pd, y_pd]))
        return bool(distance <= _TAP_DISTANCE_THRESHOLD_AC)
    exact_match = False
    for bbox in gt_bbox:
        ymin, xmin, height, width = bbox
        ymax, xmax = ymin + height, xmin + width
        exact_match = (ymin <= pd_action_yx["y"] <= ymax) and (xmin <= pd_action_yx["x"] <= xmax)
        if exact_match:
            break
    if not exact_match:
        y_gt, x_gt = gt_action_yx["y"], gt_action_yx["x"]
        y_pd, x_pd = pd_action_yx["y"], pd_action_yx["x"]
        distance = np.linalg.norm(np.array([x_gt, y_gt]) - np.array([x_pd, y_pd]))
        exact_match = bool(distance <= _TAP_DISTANCE_THRESHOLD_AC)
    return exact_match


# ----------------------------------------------------------------------------------------------
# 2. UI-S1 (MIT)

BBOX_ENLARGE_FACTOR = 1.2
POINT_DISTANCE_THRESHOLD = 0.04


def check_text(text_pred, text_gt):
    text_pred = text_pred.lower().strip()
    text_gt = text_gt.lower().strip()
    return (text_pred in text_gt) or (text_gt in text_pred)


def enlarge_bbox(bbox_list, scale_factor=1.2):
    bbox_array = np.array(bbox_list)
    x_min, y_min, x_max, y_max = (
        bbox_array[:, 0],
        bbox_array[:, 1],
        bbox_array[:, 2],
        bbox_array[:, 3],
    )
    x_center = (x_min + x_max) / 2
    y_center = (y_min + y_max) / 2
    width = (x_max - x_min) * scale_factor
    height = (y_max - y_min) * scale_factor
    new_x_min = x_center - width / 2
    new_y_min = y_center - height / 2
    new_x_max = x_center + width / 2
    new_y_max = y_center + height / 2
    return np.vstack((new_x_min, new_y_min, new_x_max, new_y_max)).T


def check_click(click, candidate_bbox, gt_point):
    if len(candidate_bbox):
        candidate_bbox = enlarge_bbox(candidate_bbox, scale_factor=BBOX_ENLARGE_FACTOR)
        for bbox in candidate_bbox:
            if (bbox[0] <= click[0] <= bbox[2]) and (bbox[1] <= click[1] <= bbox[3]):
                return True
    if gt_point is not None:
        return (
            np.linalg.norm([gt_point[0] - click[0], gt_point[1] - click[1]])
            <= POINT_DISTANCE_THRESHOLD
        )
    return False


def evaluate_android_control_action(pred_action, current_check_pam):
    """Coordinates already normalized (the released function normalizes pixels first)."""
    pred_action = copy.deepcopy(pred_action)
    if current_check_pam["action"] == "wait":
        if pred_action["action"] == "wait":
            return True, True
        return False, False
    elif current_check_pam["action"] == "system_button":
        if pred_action["action"] == "system_button":
            return True, current_check_pam["button"].lower().strip() == pred_action[
                "button"
            ].lower().strip()
        return False, False
    elif current_check_pam["action"] == "type":
        if pred_action["action"] == "type":
            return True, check_text(pred_action["text"], current_check_pam["text"])
        return False, False
    elif current_check_pam["action"] == "open":
        if pred_action["action"] == "open":
            return True, check_text(pred_action["text"], current_check_pam["text"])
        elif pred_action["action"] == "click":
            if len(current_check_pam.get("candidate_bbox", [])) > 0:
                c = current_check_pam["candidate_bbox"]
                return True, check_click(
                    pred_action["coordinate"], c,
                    gt_point=[(c[0][0] + c[0][2]) / 2, (c[0][1] + c[0][3]) / 2],
                )  # fmt: skip
            return False, False
        return False, False
    elif current_check_pam["action"] == "swipe":
        if pred_action["action"] == "swipe":
            return True, True
        return False, False
    elif current_check_pam["action"] in ["long_press", "click"]:
        if pred_action["action"] == current_check_pam["action"]:
            return True, check_click(
                pred_action["coordinate"], current_check_pam["candidate_bbox"],
                gt_point=current_check_pam["coordinate"],
            )  # fmt: skip
        return False, False
    raise NotImplementedError


# ----------------------------------------------------------------------------------------------
# 3. OS-Atlas (Apache-2.0)


def calculate_f1_score(predicted_str, ground_truth_str):
    predicted_tokens = set(predicted_str.lower().split())
    ground_truth_tokens = set(ground_truth_str.lower().split())
    common_tokens = predicted_tokens.intersection(ground_truth_tokens)
    if len(predicted_tokens) == 0:
        precision = 0
    else:
        precision = len(common_tokens) / len(predicted_tokens)
    if len(ground_truth_tokens) == 0:
        recall = 0
    else:
        recall = len(common_tokens) / len(ground_truth_tokens)
    if precision + recall == 0:
        f1_score = 0
    else:
        f1_score = 2 * (precision * recall) / (precision + recall)
    return f1_score


def osatlas_step(pred_action, gt_action):
    """(type match, step match) of one step, as the scoring loop counts it. Points are
    ``<point>[[x, y]]</point>`` on the 0-1000 scale."""
    import re

    gt_action_type = gt_action.split()[0]
    pred_action_type = pred_action.split()[0]
    if gt_action_type != pred_action_type:
        return False, False
    if gt_action_type in ["CLICK", "LONG_PRESS"]:
        try:
            pred_x, pred_y = (
                int(re.findall(r"\d+", pred_action)[0]),
                int(re.findall(r"\d+", pred_action)[1]),
            )
        except Exception:
            pred_x, pred_y = -100, -100
        gt_x, gt_y = int(re.findall(r"\d+", gt_action)[0]), int(re.findall(r"\d+", gt_action)[1])
        return True, math.sqrt((pred_x - gt_x) ** 2 + (pred_y - gt_y) ** 2) <= 0.14 * 1000
    if gt_action_type in ("OPEN_APP", "TYPE"):
        return True, gt_action == pred_action or calculate_f1_score(
            pred_action.split()[1], gt_action.split()[1]
        ) > 0.5
    return True, gt_action == pred_action
