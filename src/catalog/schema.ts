/**
 * The catalog: public facts about AKS as data. Every fact names the public document it comes from
 * (`source`, an https URL) and the day it was checked (`checked`). Where documents disagree on a
 * date the catalog keeps every version with its own source; the classifier uses the earliest, so
 * warnings come early rather than late.
 *
 * Month-only dates in the AKS documents mean the last day of that month (end of support) and are
 * stored resolved; GA months are stored as the first day of the month.
 *
 * Disagreement and postponement are told apart: two documents current at the same time that give
 * different dates are a disagreement (both kept, earliest used). A later announcement that moves a
 * date on purpose ("extended", "now starts on") replaces the earlier one; the `note` says so.
 */
import type { IsoDate } from "../core/types.js";

/** Where a fact comes from and when it was checked against that document. */
export interface Sourced {
  source: string;
  checked: IsoDate;
  /** Free text in our own words: caveats, what "estimated" means, which document said what. */
  note?: string;
}

/** A dated fact. Lists of these are "sources disagree" lists: the earliest date wins. */
export interface DatedFact extends Sourced {
  date: IsoDate;
  /**
   * The source calls the date expected or approximate, gives only a month, or it is a planned
   * calendar date still ahead when read. An estimated fact must say in `note` which day was used.
   */
  estimated?: boolean;
}

// ---------------------------------------------------------------- kubernetes.json

export interface KubernetesMinor extends Sourced {
  /** `1.31` */
  minor: string;
  /** AKS preview start (first day of the month when only a month is known). */
  preview: DatedFact[];
  /** AKS general availability. */
  ga: DatedFact[];
  /** End of community (standard, N-2) support. */
  endOfSupport: DatedFact[];
  /** Platform support (N-3) lasts until this minor becomes GA on AKS; null when not documented. */
  platformSupportUntilGaOf: string | null;
  /** End of long-term support; empty when the minor had no LTS. */
  ltsEnd: DatedFact[];
}

// ---------------------------------------------------------------- addons.json

export const ADDON_DETECTIONS = ["addonProfiles", "workloadAutoScalerProfile.keda", "workloadAutoScalerProfile.verticalPodAutoscaler", "serviceMeshProfile", "ingressProfile.webAppRouting", "azureMonitorProfile.metrics"] as const;
export type AddonDetection = (typeof ADDON_DETECTIONS)[number];

export const CATALOG_STAGES = ["ga", "preview", "deprecated", "retired"] as const;
export type CatalogStage = (typeof CATALOG_STAGES)[number];

/** How an add-on's version moves: with the cluster's minor (the rule), by Istio revision, or not documented. */
export const ADDON_VERSIONINGS = ["cluster-minor", "revisions", "none"] as const;
export type AddonVersioning = (typeof ADDON_VERSIONINGS)[number];

/** Whether long-term support covers the add-on past community support. */
export const LTS_STATUSES = ["supported", "not-supported", "check"] as const;
export type LtsStatus = (typeof LTS_STATUSES)[number];

export interface LtsFact extends Sourced {
  status: LtsStatus;
}

export interface AddonEntry extends Sourced {
  /** The contract name: the `addonProfiles` key as Azure returns it, or a profile feature name. */
  name: string;
  displayName: string;
  detection: AddonDetection;
  /** Stage as documented (the `source` of the entry). A passed retirement date makes it `retired`. */
  stage: CatalogStage;
  versioning: AddonVersioning;
  /** Key into addon-versions.json, when AKS publishes per-minor versions for it. */
  versionComponent: string | null;
  /** The date AKS stops supporting the add-on altogether. */
  retirement: DatedFact | null;
  /** The date AKS support for (part of) the add-on ends without the add-on being retired. */
  endOfSupport: DatedFact | null;
  /**
   * `endOfSupport` covers one implementation only: `nginx` = application routing's managed NGINX,
   * not its Gateway API implementation. Absent: the whole add-on.
   */
  endOfSupportOnly?: "nginx";
  /** What to move to. */
  replacement: string | null;
  /** Absent: LTS is not documented as affecting it. */
  lts: LtsFact | null;
}

// ---------------------------------------------------------------- features.json (AKS-managed capabilities)
// Capabilities AKS manages that are switched on through a cluster profile rather than `addonProfiles`
// (image cleaner, node auto-provisioning, the CSI drivers, AKS Automatic, ...). The classifier reports
// each as an `addon` integration; see src/core/classify/features.ts.

/** A dated event for a feature. `onlyLocations` narrows it to clusters in those regions. */
export interface FeatureChange extends DatedFact {
  id: string;
  /** What happens, in our own words. */
  subject: string;
  kind: ChangeKind;
  /** Lower-cased Azure locations (`chinaeast2`); absent = every region. */
  onlyLocations?: string[];
}

export interface FeatureEntry extends Sourced {
  /** The report's integration name: the capability's own ARM key (`imageCleaner`, `diskCSIDriver`). */
  name: string;
  displayName: string;
  /** Where the cluster says it is on, e.g. `securityProfile.imageCleaner.enabled`; for readers. */
  detection: string;
  stage: CatalogStage;
  retirement: DatedFact | null;
  endOfSupport: DatedFact | null;
  replacement: string | null;
  lts: LtsFact | null;
  /** Something the owner should know that is not a date (our words; shown as a reason). */
  advice: string | null;
  changes: FeatureChange[];
}
// ---------------------------------------------------------------- end of features.json

// ---------------------------------------------------------------- addon-versions.json

export interface ComponentVersion extends Sourced {
  version: string;
}

/** The version AKS runs of one add-on component on one Kubernetes minor. Id: `component@minor`. */
export interface AddonVersionEntry {
  component: string;
  minor: string;
  /** Usually one; more when documents disagree (each keeps its source). */
  versions: ComponentVersion[];
}

// ---------------------------------------------------------------- istio.json

export interface IstioRevision extends Sourced {
  /** `asm-1-28` */
  revision: string;
  endOfLife: DatedFact[];
  /** When AKS stopped new installs of the revision (release notes); absent when not announced. */
  deprecated?: DatedFact[];
  /** Minors the revision is compatible with on the standard (KubernetesOfficial) plan. */
  compatibleMinors: string[];
  /** Minors it is compatible with under AKSLongTermSupport. */
  compatibleLtsMinors: string[];
  /** Compatibility lists of other document revisions that disagree with the current one. */
  otherCompatibility?: CompatibilityVariant[];
}

/** Another document's compatibility lists for one revision, kept where documents disagree. */
export interface CompatibilityVariant extends Sourced {
  compatibleMinors: string[];
  compatibleLtsMinors: string[];
}

// ---------------------------------------------------------------- extensions.json

export const EXTENSION_CATEGORIES = ["core", "standard", "arc"] as const;
export type ExtensionCategory = (typeof EXTENSION_CATEGORIES)[number];

export interface KnownVersion extends Sourced {
  version: string;
  /** Release date (first day of the month when only a month is known). */
  released: IsoDate | null;
}

export interface ManagedRef {
  kind: "addon" | "extension";
  name: string;
}

export interface ExtensionEntry extends Sourced {
  /** `extensionType` lower-cased, e.g. `microsoft.flux`. */
  type: string;
  displayName: string;
  stage: CatalogStage;
  category: ExtensionCategory;
  /** How many of the newest minor release lines are supported (Flux: 3, Dapr: 2); null when not documented. */
  supportedMinors: (Sourced & { count: number }) | null;
  /** Releases known to the catalog; the newest is the drift reference. */
  knownVersions: KnownVersion[];
  /** Minor/major move only with the cluster's Kubernetes minor (core extensions), like add-ons. */
  followsClusterMinor: boolean;
  retirement: DatedFact | null;
  lts: LtsFact | null;
  /** For Arc-side types: on AKS this add-on or extension is the supported route instead. */
  onAksUseInstead: ManagedRef | null;
}

// ---------------------------------------------------------------- open-source.json

export interface ManagedAlternative extends Sourced {
  /** null when the alternative is an Azure service rather than an add-on or extension. */
  kind: "addon" | "extension" | null;
  name: string;
  /** True when running both is a conflict (two controllers for the same thing), not just redundancy. */
  conflicts: boolean;
}

export interface OpenSourceSignature extends Sourced {
  /** Matches `OpenSourceFind.signature`. */
  id: string;
  displayName: string;
  /** Helm chart names as they appear in `helm.sh/chart` labels (without the version suffix). */
  helmCharts: string[];
  /** Image repositories (no tag); `*` matches any run of characters. */
  imagePatterns: string[];
  managedAlternative: ManagedAlternative | null;
  latestKnown: (Sourced & { version: string }) | null;
  /** Upstream stops maintaining the project (no releases, no security fixes). */
  endOfMaintenance: DatedFact | null;
}

// ---------------------------------------------------------------- changes.json

export const CHANGE_KINDS = ["retirement", "end-of-support", "breaking-change"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export const CHANGE_TARGETS = ["addon", "extension", "open-source", "kubernetes", "node-os", "cluster-feature"] as const;
export type ChangeTarget = (typeof CHANGE_TARGETS)[number];

export interface ChangeEntry extends Sourced {
  id: string;
  subject: string;
  kind: ChangeKind;
  /** Effective date; null when the source gives none. */
  date: IsoDate | null;
  estimated?: boolean;
  appliesTo: {
    target: ChangeTarget;
    /** Integration name (add-on key, extension type, signature id); null for node-os and kubernetes. */
    name: string | null;
    /** Node pools whose `osSku` is one of these (node-os). */
    osSkus?: string[];
    /** The change arrives with this version: it matters to installs below it that will move past it. */
    introducedIn?: string;
    /** Only when the add-on's config lacks this value (case-insensitive key and value). */
    unlessConfig?: { key: string; value: string };
    /** node-os: pools of this OS may not run this Kubernetes minor or later (`1.33`). */
    blockedFromMinor?: string;
  };
  replacement: string | null;
}

// ---------------------------------------------------------------- policy.json

export interface CatalogPolicy {
  /** How far node pools may lag the control plane. */
  nodePoolSkew: Sourced & { maxMinorsBehind: number; sinceMinor: string; maxMinorsBehindBefore: number };
  /** Under LTS only the newest N patches of a minor are supported. */
  ltsSupportedPatches: Sourced & { count: number };
  /** The plan name and tier that make LTS effective. */
  lts: Sourced & { supportPlan: string; tier: string };
  /** AKS moves clusters on N-3 to N-2 before they fall to N-4. */
  platformAutoUpgrade: Sourced;
  /** Platform-initiated upgrades of clusters on unsupported versions, from this date. */
  platformInitiatedUpgrades: DatedFact & { graceDays: number };
  /** Within a minor only add-on patches change; major/minor moves with the cluster's minor. */
  addonVersioning: Sourced;
  /** Platform support covers no add-ons or Kubernetes components. */
  platformSupportScope: Sourced;
  /** Self-managed open-source installs are outside AKS support. */
  openSourceSupport: Sourced;
  /** Preview features get best-effort support only. */
  previewSupport: Sourced;
  /** Node images older than this many days are unsupported. */
  nodeImageAge: Sourced & { maxDays: number };
  /**
   * What a generic `osSku` runs: `Ubuntu` is `Ubuntu2204` below 1.35 and `Ubuntu2404` from it. The
   * names on the right are the node-OS keys changes.json uses in `osSkus`.
   */
  osSkuByMinor: Sourced & { rules: OsSkuRule[] };
  /** Long-term support from `fromMinor` needs `requires` pools; pools on `notWith` are a finding. */
  ltsNodeOs: Sourced & { fromMinor: string; requires: string; notWith: string[] };
  /**
   * What a Windows pool without `osSku` runs, by the pool's minor: the last band whose `fromMinor` is
   * at or below it. `os` null where the sources disagree (the release stays unknown).
   */
  windowsOsDefault: Sourced & { bands: { fromMinor: string; os: string | null }[] };
}

export interface OsSkuRule {
  /** The generic SKU as Azure reports it (case-insensitive): `Ubuntu`, `AzureLinux`, `CBLMariner`. */
  osSku: string;
  fromMinor: string;
  /** The OS from `fromMinor` on, and before it. */
  from: string;
  before: string;
}

// ---------------------------------------------------------------- the whole

export interface Catalog {
  /** e.g. `2026.11.24`; printed in every report. */
  version: string;
  /** The newest `checked` date of the facts. */
  checkedAt: IsoDate;
  kubernetes: KubernetesMinor[];
  addons: AddonEntry[];
  /** AKS-managed capabilities switched on through cluster profiles (features.json). */
  features: FeatureEntry[];
  addonVersions: AddonVersionEntry[];
  istioRevisions: IstioRevision[];
  extensions: ExtensionEntry[];
  openSource: OpenSourceSignature[];
  changes: ChangeEntry[];
  policy: CatalogPolicy;
}

/** The sections made of entries, with the file each is bundled in and how an entry is named. */
export const ENTRY_SECTIONS = {
  kubernetes: { file: "kubernetes.json", id: (e: KubernetesMinor) => e.minor },
  addons: { file: "addons.json", id: (e: AddonEntry) => e.name },
  features: { file: "features.json", id: (e: FeatureEntry) => e.name },
  addonVersions: { file: "addon-versions.json", id: (e: AddonVersionEntry) => `${e.component}@${e.minor}` },
  istioRevisions: { file: "istio.json", id: (e: IstioRevision) => e.revision },
  extensions: { file: "extensions.json", id: (e: ExtensionEntry) => e.type },
  openSource: { file: "open-source.json", id: (e: OpenSourceSignature) => e.id },
  changes: { file: "changes.json", id: (e: ChangeEntry) => e.id },
} as const;

export type EntrySection = keyof typeof ENTRY_SECTIONS;
export const ENTRY_SECTION_NAMES = Object.keys(ENTRY_SECTIONS) as EntrySection[];
