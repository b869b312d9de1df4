// French labels of the API's enums; themes and resources come from the
// server's vocabularies (ListThemes, ListResources).
import { get } from './api.js';

export const KINDS = {
  ACTOR_KIND_ASSOCIATION: 'Association',
  ACTOR_KIND_COMPANY: 'Entreprise',
  ACTOR_KIND_PUBLIC_BODY: 'Acteur public',
  ACTOR_KIND_ACADEMIC: 'Académique',
  ACTOR_KIND_MEDIA: 'Média',
};
// Distinguishable colours (also by lightness) for the kinds.
export const KIND_COLOURS = {
  ACTOR_KIND_ASSOCIATION: '#0b6e4f',
  ACTOR_KIND_COMPANY: '#1f4e99',
  ACTOR_KIND_PUBLIC_BODY: '#b3541e',
  ACTOR_KIND_ACADEMIC: '#6a3d9a',
  ACTOR_KIND_MEDIA: '#8c6d00',
};
export const CATEGORIES = {
  PARTNERSHIP_CATEGORY_MECENAT: 'Mécénat',
  PARTNERSHIP_CATEGORY_RESPONSIBLE_PRACTICES: 'Pratiques responsables',
  PARTNERSHIP_CATEGORY_ECONOMIC_COOPERATION: 'Coopération économique',
  PARTNERSHIP_CATEGORY_SOCIETAL_INNOVATION: 'Innovation sociétale',
};
export const CATEGORY_COLOURS = {
  PARTNERSHIP_CATEGORY_MECENAT: '#1f4e99',
  PARTNERSHIP_CATEGORY_RESPONSIBLE_PRACTICES: '#0b6e4f',
  PARTNERSHIP_CATEGORY_ECONOMIC_COOPERATION: '#b3541e',
  PARTNERSHIP_CATEGORY_SOCIETAL_INNOVATION: '#6a3d9a',
  PARTNERSHIP_CATEGORY_UNSPECIFIED: '#555555',
};
export const MODALITIES = {
  PARTNERSHIP_MODALITY_FINANCIAL: 'mécénat financier',
  PARTNERSHIP_MODALITY_IN_KIND: 'mécénat en nature',
  PARTNERSHIP_MODALITY_SKILLS: 'mécénat de compétences',
  PARTNERSHIP_MODALITY_RESPONSIBLE_PURCHASING: 'achats responsables',
  PARTNERSHIP_MODALITY_INCLUSIVE_HIRING: 'recrutement inclusif',
  PARTNERSHIP_MODALITY_PRACTICE_CHANGE: 'évolution des pratiques',
  PARTNERSHIP_MODALITY_JOINT_OFFER: 'offre commune',
  PARTNERSHIP_MODALITY_JOINT_RND: 'R&D commune',
};
export const STATES = {
  SUGGESTION_STATE_PROPOSED: 'Proposée',
  SUGGESTION_STATE_KEPT: 'Gardée',
  SUGGESTION_STATE_CONTACTED: 'Contactée',
  SUGGESTION_STATE_MEETING_HELD: 'Rencontre tenue',
  SUGGESTION_STATE_OUTCOME_RECORDED: 'Résultat noté',
  SUGGESTION_STATE_PARTNERSHIP_FORMED: 'Partenariat formé',
  SUGGESTION_STATE_NOT_FORMED: 'Non formé',
  SUGGESTION_STATE_NO_ANSWER: 'Sans réponse',
  SUGGESTION_STATE_DISMISSED: 'Écartée',
};
export const OUTCOMES = {
  MEETING_OUTCOME_DID_NOT_TAKE_PLACE: "N'a pas eu lieu",
  MEETING_OUTCOME_INSUFFICIENT_INTEREST: 'Intérêt insuffisant',
  MEETING_OUTCOME_INFORMATIVE_NO_COOPERATION: 'Instructive, sans coopération',
  MEETING_OUTCOME_COOPERATION_POSSIBLE: 'Coopération possible',
};
export const FACTORS = {
  complementarity: 'Complémentarité besoins/offres',
  shared_themes: 'Thèmes partagés',
  fragility: 'Fragilités du territoire',
  cross_kind: 'Alliance entre mondes',
  capacity: 'Capacité',
  common_partners: 'Partenaires communs',
  similar_success: 'Ressemble à des succès',
  proximity: 'Proximité',
  responsiveness: 'Réactivité',
};
export const BASIS = {
  COALITION_MEMBER_BASIS_CONTRIBUTES: 'apport',
  COALITION_MEMBER_BASIS_ANCHOR: 'structure pilote',
  COALITION_MEMBER_BASIS_REQUIRED_KIND: 'monde requis',
  COALITION_MEMBER_BASIS_MIN_SIZE: 'taille minimale',
};

const vocabularies = { themes: null, resources: null };

// {code: label} of the themes and resources, in French.
export async function loadVocabularies() {
  if (!vocabularies.themes) {
    const [themes, resources] = await Promise.all([get('/v1/themes'), get('/v1/resources')]);
    vocabularies.themes = Object.fromEntries((themes.themes || []).map((t) => [t.code, t.labelFr || t.code]));
    vocabularies.resources = Object.fromEntries((resources.resources || []).map((r) => [r.code, r.labelFr || r.code]));
  }
  return vocabularies;
}
export const themeLabel = (code) => (vocabularies.themes && vocabularies.themes[code]) || code;
export const resourceLabel = (code) => (vocabularies.resources && vocabularies.resources[code]) || code;

const number = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
export const fmt = (value, digits = 1) =>
  new Intl.NumberFormat('fr-FR', { maximumFractionDigits: digits }).format(value ?? 0);
export const pct = (value) => `${number.format(100 * (value ?? 0))} %`;
