// Where CesiumJS finds its workers, assets and widgets: served by `tracklayer view` itself.
window.CESIUM_BASE_URL = "/cesium/";
