/** Tier-1 classifier: public API. */
export { extractFeatures, type FeatureConfig, windowsOf } from './features';
export {
  type LinearClassifier,
  loadModel,
  MODEL_CATEGORIES,
  type ModelArtifact,
  type ModelCategory,
  type PlattParams,
} from './model';
