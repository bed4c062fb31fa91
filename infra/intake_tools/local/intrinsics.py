"""A small CloudFormation intrinsic-function resolver for the local stack.

It resolves what a translated ``template.yaml`` uses: ``Ref`` (resources, parameters, pseudo parameters),
``Fn::GetAtt``, ``Fn::Sub`` (both forms), ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::If`` with
conditions (``Fn::Equals``/``And``/``Or``/``Not``), ``Fn::FindInMap``, ``Fn::Base64`` and ``Fn::GetAZs``.
Anything else is an error that names the function, never a value passed through unresolved.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = [
    "NO_VALUE",
    "IntrinsicError",
    "Resolver",
    "references",
]


class IntrinsicError(Exception):
    """An intrinsic function that cannot be resolved locally."""


class _NoValue:
    """``Ref: AWS::NoValue``: the property (or list item) disappears."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()

_SUB_TOKEN = re.compile(r"\$\{([^}]*)\}")


def _partition_for(region: str) -> tuple[str, str]:
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov"):
        return "aws-us-gov", "amazonaws.com"
    return "aws", "amazonaws.com"


def _sub_names(text: str) -> Iterable[str]:
    for token in _SUB_TOKEN.findall(text):
        if not token.startswith("!"):
            yield token.strip()


def references(value: Any, names: Mapping[str, Any] | set[str]) -> set[str]:
    """The logical ids among ``names`` that ``value`` refers to (Ref, GetAtt, Sub)."""
    found: set[str] = set()

    def visit(node: Any, shadowed: frozenset[str] = frozenset()) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item, shadowed)
            return
        if not isinstance(node, dict):
            return
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref" and isinstance(arg, str):
                if arg in names and arg not in shadowed:
                    found.add(arg)
                return
            if key == "Fn::GetAtt":
                target = arg[0] if isinstance(arg, list) and arg else str(arg).partition(".")[0]
                if isinstance(target, str) and target in names:
                    found.add(target)
                if isinstance(arg, list):
                    visit(arg[1:], shadowed)
                return
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                local = shadowed | frozenset(variables)
                for name in _sub_names(text):
                    target = name.partition(".")[0]
                    if target in names and name not in local:
                        found.add(target)
                visit(list(variables.values()), shadowed)
                return
        for item in node.values():
            visit(item, shadowed)

    visit(value)
    return found


class Resolver:
    """Resolves intrinsics against parameters, pseudo parameters and resources created so far.

    ``ref`` and ``get_att`` are callbacks into the caller's record of created resources; they raise
    ``IntrinsicError`` for a resource that does not exist (yet).
    """

    def __init__(
        self,
        *,
        region: str,
        account_id: str,
        stack_name: str,
        stack_id: str,
        parameters: Mapping[str, Any],
        conditions: Mapping[str, Any] | None,
        mappings: Mapping[str, Any] | None,
        ref: Callable[[str], Any],
        get_att: Callable[[str, str], Any],
        is_resource: Callable[[str], bool],
    ) -> None:
        partition, url_suffix = _partition_for(region)
        self.pseudo: dict[str, Any] = {
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::StackName": stack_name,
            "AWS::StackId": stack_id,
            "AWS::Partition": partition,
            "AWS::URLSuffix": url_suffix,
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        self.parameters = dict(parameters)
        self._condition_defs = dict(conditions or {})
        self._condition_values: dict[str, bool] = {}
        self._mappings = dict(mappings or {})
        self._ref = ref
        self._get_att = get_att
        self._is_resource = is_resource

    # ----------------------------------------------------------------------------------- conditions

    def condition(self, name: str) -> bool:
        if name not in self._condition_values:
            if name not in self._condition_defs:
                raise IntrinsicError(f"condition {name!r} is not defined in Conditions")
            self._condition_values[name] = bool(self._evaluate_condition(self._condition_defs[name]))
        return self._condition_values[name]

    def _evaluate_condition(self, node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::Equals":
                left, right = (self.resolve(item) for item in arg)
                return str(left) == str(right)
            if key == "Fn::And":
                return all(self._evaluate_condition(item) for item in arg)
            if key == "Fn::Or":
                return any(self._evaluate_condition(item) for item in arg)
            if key == "Fn::Not":
                return not self._evaluate_condition(arg[0])
        return self.resolve(node)

    # ----------------------------------------------------------------------------------- values

    def resolve(self, node: Any) -> Any:
        """Resolve every intrinsic in ``node``; ``AWS::NoValue`` entries are dropped from containers."""
        if isinstance(node, list):
            items = (self.resolve(item) for item in node)
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self.ref(arg)
            if key.startswith("Fn::"):
                return self._function(key, arg)
            if key == "Condition" and isinstance(arg, str) and arg in self._condition_defs:
                return self.condition(arg)
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not NO_VALUE}

    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise IntrinsicError(f"Ref needs a name, got {name!r}")
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if self._is_resource(name):
            return self._ref(name)
        raise IntrinsicError(f"Ref {name!r}: no such parameter, pseudo parameter or resource")

    def _function(self, key: str, arg: Any) -> Any:
        handler = getattr(self, "_fn_" + key[4:].lower(), None)
        if handler is None:
            raise IntrinsicError(f"{key} is not supported by the local stack")
        return handler(arg)

    def _fn_getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if not (isinstance(arg, list) and len(arg) == 2):
            raise IntrinsicError(f"Fn::GetAtt needs [Resource, Attribute], got {arg!r}")
        resource, attribute = arg[0], self.resolve(arg[1])
        return self._get_att(resource, attribute)

    def _fn_sub(self, arg: Any) -> str:
        if isinstance(arg, str):
            text, variables = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            text, variables = arg[0], {name: self.resolve(value) for name, value in arg[1].items()}
        else:
            raise IntrinsicError(f"Fn::Sub needs a string or [string, variables], got {arg!r}")

        def replace(match: re.Match[str]) -> str:
            token = match.group(1)
            if token.startswith("!"):
                return "${" + token[1:] + "}"
            name = token.strip()
            if name in variables:
                value = variables[name]
            elif name in self.pseudo or name in self.parameters or self._is_resource(name):
                value = self.ref(name)
            elif "." in name:
                resource, attribute = name.split(".", 1)
                value = self._get_att(resource, attribute)
            else:
                raise IntrinsicError(f"Fn::Sub: ${{{name}}} names nothing in the template")
            if isinstance(value, list):
                value = ",".join(str(item) for item in value)
            return str(value)

        return _SUB_TOKEN.sub(replace, text)

    def _fn_join(self, arg: Any) -> str:
        delimiter, items = arg
        values = self.resolve(items)
        if not isinstance(values, list):
            raise IntrinsicError(f"Fn::Join needs a list, got {values!r}")
        return str(delimiter).join(str(value) for value in values)

    def _fn_select(self, arg: Any) -> Any:
        index, items = self.resolve(arg[0]), self.resolve(arg[1])
        try:
            return items[int(index)]
        except (IndexError, ValueError, TypeError) as exc:
            raise IntrinsicError(f"Fn::Select {index!r} from {items!r}: {exc}") from exc

    def _fn_split(self, arg: Any) -> list[str]:
        delimiter, text = arg[0], self.resolve(arg[1])
        return str(text).split(delimiter)

    def _fn_if(self, arg: Any) -> Any:
        name, when_true, when_false = arg
        return self.resolve(when_true if self.condition(name) else when_false)

    def _fn_findinmap(self, arg: Any) -> Any:
        map_name, first, second = (self.resolve(item) for item in arg[:3])
        try:
            return self._mappings[map_name][first][second]
        except KeyError as exc:
            raise IntrinsicError(f"Fn::FindInMap {map_name}/{first}/{second}: not found") from exc

    def _fn_base64(self, arg: Any) -> str:
        return base64.b64encode(str(self.resolve(arg)).encode()).decode()

    def _fn_getazs(self, arg: Any) -> list[str]:
        region = self.resolve(arg) or self.pseudo["AWS::Region"]
        return [f"{region}{zone}" for zone in "abc"]

    def _fn_equals(self, arg: Any) -> bool:
        return bool(self._evaluate_condition({"Fn::Equals": arg}))

    def _fn_and(self, arg: Any) -> bool:
        return bool(self._evaluate_condition({"Fn::And": arg}))

    def _fn_or(self, arg: Any) -> bool:
        return bool(self._evaluate_condition({"Fn::Or": arg}))

    def _fn_not(self, arg: Any) -> bool:
        return bool(self._evaluate_condition({"Fn::Not": arg}))
