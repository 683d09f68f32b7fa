"""The demo org's schema (Account, Contact, Shipment__c) and the describe JSON Salesforce would serve."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

API_VERSIONS = [
    ("Winter '25", "62.0"),
    ("Spring '25", "63.0"),
    ("Summer '25", "64.0"),
    ("Winter '26", "65.0"),
    ("Spring '26", "66.0"),
    ("Summer '26", "67.0"),
]
LATEST_VERSION = API_VERSIONS[-1][1]

_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "string": "xsd:string",
    "textarea": "xsd:string",
    "phone": "xsd:string",
    "email": "xsd:string",
    "url": "xsd:string",
    "picklist": "xsd:string",
    "currency": "xsd:double",
    "double": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
    "boolean": "xsd:boolean",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}


@dataclass(frozen=True)
class Field:
    """One field as describe reports it, plus what the loader needs to validate values."""

    name: str
    label: str
    type: str
    length: int = 0
    precision: int = 0
    scale: int = 0
    digits: int = 0
    required: bool = False  # not nillable and not defaulted on create
    external_id: bool = False
    unique: bool = False
    id_lookup: bool = False
    createable: bool = True
    updateable: bool = True
    custom: bool = False
    name_field: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    picklist: tuple[str, ...] = ()
    picklist_labels: tuple[str, ...] = ()  # labels when they differ from the API values (same order)
    restricted: bool = False
    defaulted: bool = False
    # A unique field's "treat ABC and abc as different values"; describe's caseSensitive
    case_sensitive: bool = False

    @property
    def folds_case(self) -> bool:
        """Keys match case-insensitively only on a unique field marked "treat ABC and abc as duplicate
        values" (Apex upsert docs); other external ids match exactly."""
        return self.unique and not self.case_sensitive

    @property
    def nillable(self) -> bool:
        return not self.required and self.type not in ("boolean", "id")

    def describe(self) -> dict[str, Any]:
        """Field metadata in the shape and key order of a real describe response."""
        text_like = self.type in (
            "string",
            "textarea",
            "phone",
            "email",
            "url",
            "picklist",
            "id",
            "reference",
        )
        long_text = self.type == "textarea" and self.length > 255
        return {
            "aggregatable": not long_text,
            "aiPredictionField": False,
            "autoNumber": False,
            "byteLength": self.length * 3 if text_like else 0,
            "calculated": False,
            "calculatedFormula": None,
            "cascadeDelete": False,
            "caseSensitive": self.case_sensitive,
            "compoundFieldName": "BillingAddress" if self.name.startswith("Billing") else None,
            "controllerName": None,
            "createable": self.createable,
            "custom": self.custom,
            "defaultValue": False if self.type == "boolean" else None,
            "defaultValueFormula": None,
            "defaultedOnCreate": self.defaulted or self.type in ("id", "boolean"),
            "dependentPicklist": False,
            "deprecatedAndHidden": False,
            "digits": self.digits,
            "displayLocationInDecimal": False,
            "encrypted": False,
            "externalId": self.external_id,
            "extraTypeInfo": ("plaintextarea" if self.type == "textarea" else None),
            "filterable": not long_text,
            "filteredLookupInfo": None,
            "formulaTreatNullNumberAsZero": False,
            "groupable": self.type not in ("textarea", "currency", "double", "percent"),
            "highScaleNumber": False,
            "htmlFormatted": False,
            "idLookup": self.id_lookup,
            "inlineHelpText": None,
            "label": self.label,
            "length": self.length,
            "mask": None,
            "maskType": None,
            "name": self.name,
            "nameField": self.name_field,
            "namePointing": False,
            "nillable": self.nillable,
            "permissionable": not self.required and self.type != "id" and self.createable,
            "picklistValues": [
                {"active": True, "defaultValue": False, "label": label, "validFor": None, "value": v}
                for v, label in zip(
                    self.picklist,
                    self.picklist_labels + self.picklist[len(self.picklist_labels) :],
                    strict=True,
                )
            ],
            "polymorphicForeignKey": len(self.reference_to) > 1,
            "precision": self.precision,
            "queryByDistance": False,
            "referenceTargetField": None,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "relationshipOrder": None,
            "restrictedDelete": False,
            "restrictedPicklist": self.restricted,
            "scale": self.scale,
            "searchPrefilterable": self.type == "reference",
            "soapType": _SOAP_TYPES[self.type],
            "sortable": not long_text,
            "type": self.type,
            "unique": self.unique,
            "updateable": self.updateable,
            "writeRequiresMasterRead": False,
        }


@dataclass(frozen=True)
class SObject:
    name: str
    label: str
    label_plural: str
    key_prefix: str
    custom: bool
    fields: tuple[Field, ...]
    by_name: dict[str, Field] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name.lower(): f for f in self.fields})

    def field(self, name: str) -> Field | None:
        """Field names are case-insensitive in the API."""
        return self.by_name.get(name.lower())

    def relationship(self, rel_name: str) -> Field | None:
        for f in self.fields:
            if f.relationship_name and f.relationship_name.lower() == rel_name.lower():
                return f
        return None

    def urls(self, version: str) -> dict[str, str]:
        base = f"/services/data/v{version}/sobjects/{self.name}"
        return {
            "compactLayouts": f"{base}/describe/compactLayouts",
            "rowTemplate": f"{base}/{{ID}}",
            "defaultValues": f"{base}/defaultValues?recordTypeId&fields",
            "describe": f"{base}/describe",
            "sobject": base,
        }

    def summary(self, version: str) -> dict[str, Any]:
        """The entry this object has in `GET /sobjects/`."""
        return {
            "activateable": False,
            "createable": True,
            "custom": self.custom,
            "customSetting": False,
            "deletable": True,
            "deprecatedAndHidden": False,
            "feedEnabled": not self.custom,
            "hasSubtypes": False,
            "isSubtype": False,
            "keyPrefix": self.key_prefix,
            "label": self.label,
            "labelPlural": self.label_plural,
            "layoutable": True,
            "mergeable": self.name in ("Account", "Contact"),
            "mruEnabled": True,
            "name": self.name,
            "queryable": True,
            "replicateable": True,
            "retrieveable": True,
            "searchable": True,
            "triggerable": True,
            "undeletable": True,
            "updateable": True,
            "urls": self.urls(version),
        }

    def describe(self, version: str, children: list[dict[str, Any]]) -> dict[str, Any]:
        out = self.summary(version)
        out.update(
            {
                "actionOverrides": [],
                "childRelationships": children,
                "compactLayoutable": True,
                "fields": [f.describe() for f in self.fields],
                "listviewable": None,
                "lookupLayoutable": None,
                "namedLayoutInfos": [],
                "networkScopeFieldName": None,
                "recordTypeInfos": [],
                "searchLayoutable": True,
                "sobjectDescribeOption": "FULL",
                "supportedScopes": [{"label": "All " + self.label_plural.lower(), "name": "everything"}],
            }
        )
        return dict(sorted(out.items()))  # real describe answers list keys alphabetically


def _system_fields() -> tuple[Field, ...]:
    audit = {"createable": False, "updateable": False, "defaulted": True}
    return (
        Field("Id", "Record ID", "id", length=18, id_lookup=True, createable=False, updateable=False),
        Field("IsDeleted", "Deleted", "boolean", createable=False, updateable=False),
        Field("CreatedDate", "Created Date", "datetime", **audit),  # type: ignore[arg-type]
        Field("LastModifiedDate", "Last Modified Date", "datetime", **audit),  # type: ignore[arg-type]
        Field("SystemModstamp", "System Modstamp", "datetime", **audit),  # type: ignore[arg-type]
    )


INDUSTRIES = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications", "Construction",
    "Consulting", "Education", "Electronics", "Energy", "Engineering", "Entertainment", "Environmental",
    "Finance", "Food & Beverage", "Government", "Healthcare", "Hospitality", "Insurance", "Machinery",
    "Manufacturing", "Media", "Not For Profit", "Other", "Recreation", "Retail", "Shipping", "Technology",
    "Telecommunications", "Transportation", "Utilities",
)  # fmt: skip

ACCOUNT = SObject(
    "Account", "Account", "Accounts", "001", False,
    (
        *_system_fields(),
        Field("Name", "Account Name", "string", length=255, required=True, id_lookup=True, name_field=True),
        Field("External_Id__c", "External Id", "string", length=40, external_id=True, unique=True,
              id_lookup=True, custom=True),
        Field("Type", "Account Type", "picklist", length=255,
              picklist=("Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other")),
        Field("ParentId", "Parent Account ID", "reference", length=18, reference_to=("Account",),
              relationship_name="Parent"),
        Field("BillingStreet", "Billing Street", "textarea", length=255),
        Field("BillingCity", "Billing City", "string", length=40),
        Field("BillingState", "Billing State/Province", "string", length=80),
        Field("BillingPostalCode", "Billing Zip/Postal Code", "string", length=20),
        Field("BillingCountry", "Billing Country", "string", length=80),
        Field("Phone", "Account Phone", "phone", length=40),
        Field("Website", "Website", "url", length=255),
        Field("Industry", "Industry", "picklist", length=255, picklist=INDUSTRIES),
        Field("AnnualRevenue", "Annual Revenue", "currency", precision=18, scale=0),
        Field("NumberOfEmployees", "Employees", "int", digits=8),
        Field("Description", "Account Description", "textarea", length=32000),
        # Business-file fields (issue 11): labels that differ from the API names, local formats.
        Field("Customer_Since__c", "Customer Since", "date", custom=True),
        Field("Last_Review__c", "Last Review", "datetime", custom=True),
        Field("Discount__c", "Discount %", "percent", precision=5, scale=2, custom=True),
        Field("Active__c", "Active Customer", "boolean", custom=True),
        Field("Tier__c", "Customer Tier", "picklist", length=255, custom=True, restricted=True,
              picklist=("T1", "T2", "T3"), picklist_labels=("Gold", "Silver", "Bronze")),
    ),
)  # fmt: skip

CONTACT = SObject(
    "Contact", "Contact", "Contacts", "003", False,
    (
        *_system_fields(),
        Field("AccountId", "Account ID", "reference", length=18, reference_to=("Account",),
              relationship_name="Account"),
        Field("FirstName", "First Name", "string", length=40),
        Field("LastName", "Last Name", "string", length=80, required=True, name_field=True),
        # Not unique on purpose: an external id shared by two records gives DUPLICATE_EXTERNAL_ID on upsert.
        Field("External_Id__c", "External Id", "string", length=40, external_id=True, id_lookup=True,
              custom=True),
        Field("Email", "Email", "email", length=80, id_lookup=True),
        Field("Phone", "Business Phone", "phone", length=40),
        Field("Title", "Title", "string", length=128),
        Field("Birthdate", "Birthdate", "date"),
        Field("HasOptedOutOfEmail", "Email Opt Out", "boolean"),
        Field("Description", "Contact Description", "textarea", length=32000),
    ),
)  # fmt: skip

SHIPMENT = SObject(
    "Shipment__c", "Shipment", "Shipments", "a01", True,
    (
        *_system_fields(),
        Field("Name", "Shipment Name", "string", length=80, name_field=True, id_lookup=True, defaulted=True),
        # the demo org's case-sensitive unique key ("treat ABC and abc as different values")
        Field("Shipment_Number__c", "Shipment Number", "string", length=32, external_id=True, unique=True,
              id_lookup=True, custom=True, case_sensitive=True),
        Field("Account__c", "Account", "reference", length=18, reference_to=("Account",),
              relationship_name="Account__r", custom=True),
        Field("Status__c", "Status", "picklist", length=255, custom=True, restricted=True,
              picklist=("Planned", "In Transit", "Delivered", "Returned")),
        Field("Weight_Kg__c", "Weight (kg)", "double", precision=10, scale=2, required=True, custom=True),
        Field("Ship_Date__c", "Ship Date", "date", custom=True),
        Field("Delivered_At__c", "Delivered At", "datetime", custom=True),
        Field("Insured__c", "Insured", "boolean", custom=True),
        Field("Tracking_Url__c", "Tracking URL", "url", length=255, custom=True),
        Field("Declared_Value__c", "Declared Value", "currency", precision=16, scale=2, custom=True),
        Field("Packages__c", "Number of Packages", "int", digits=6, custom=True),
    ),
)  # fmt: skip

LEAD = SObject(
    "Lead", "Lead", "Leads", "00Q", False,
    (
        *_system_fields(),
        Field("FirstName", "First Name", "string", length=40),
        Field("LastName", "Last Name", "string", length=80, required=True, name_field=True),
        Field("Company", "Company", "string", length=255, required=True),
        Field("Email", "Email", "email", length=80, id_lookup=True),
        Field("External_Id__c", "External Id", "string", length=40, external_id=True, unique=True,
              id_lookup=True, custom=True),
        Field("Status", "Lead Status", "picklist", length=255, restricted=True, defaulted=True,
              picklist=("Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                        "Closed - Not Converted")),
    ),
)  # fmt: skip

# Task carries the demo org's polymorphic lookups (Who: Contact or Lead; What: Account or Shipment__c),
# so relationship columns such as `Lead:Who.Email` have something real to resolve against.
TASK = SObject(
    "Task", "Task", "Tasks", "00T", False,
    (
        *_system_fields(),
        Field("Subject", "Subject", "string", length=255, name_field=True),
        Field("External_Id__c", "External Id", "string", length=40, external_id=True, unique=True,
              id_lookup=True, custom=True),
        Field("WhoId", "Name ID", "reference", length=18, reference_to=("Contact", "Lead"),
              relationship_name="Who"),
        Field("WhatId", "Related To ID", "reference", length=18, reference_to=("Account", "Shipment__c"),
              relationship_name="What"),
        Field("ActivityDate", "Due Date Only", "date"),
        Field("Status", "Status", "picklist", length=255, restricted=True, defaulted=True,
              picklist=("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")),
        Field("Priority", "Priority", "picklist", length=255, restricted=True, defaulted=True,
              picklist=("High", "Normal", "Low")),
    ),
)  # fmt: skip

OBJECTS: dict[str, SObject] = {o.name.lower(): o for o in (ACCOUNT, CONTACT, SHIPMENT, LEAD, TASK)}


def find_object(name: str) -> SObject | None:
    return OBJECTS.get(name.lower())


def child_relationships(parent: SObject) -> list[dict[str, Any]]:
    out = []
    for obj in OBJECTS.values():
        for f in obj.fields:
            if parent.name in f.reference_to and f.relationship_name:
                rel = f.relationship_name
                plural = rel[:-3] + "s__r" if rel.endswith("__r") else obj.label_plural.replace(" ", "")
                out.append(
                    {
                        "cascadeDelete": False,
                        "childSObject": obj.name,
                        "deprecatedAndHidden": False,
                        "field": f.name,
                        "junctionIdListNames": [],
                        "junctionReferenceTo": [],
                        "relationshipName": "ChildAccounts" if f.name == "ParentId" else plural,
                        "restrictedDelete": False,
                    }
                )
    return out
