//! The seeds' convolutional autoencoder (the Keras blog's 28x28 model):
//! Conv 16@3x3 same, MaxPool 2, Conv 8@3x3, MaxPool 2 (code 8x7x7 = 392 values),
//! Conv 8@3x3, Upsample 2, Conv 16@3x3, Upsample 2, Conv 1@3x3 sigmoid.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::interpolate::{Interpolate2d, Interpolate2dConfig, InterpolateMode};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Initializer, PaddingConfig2d};
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

use crate::activation::Activation;
use crate::autoencoder::Autoencoder;
use crate::error::{ModelError, Result};
use crate::kernels::{
    FollowedBy, conv2d_layer, conv2d_relu_layer, conv2d_relu_pool_layer, max_pool2d_layer,
    upsample_conv2d_layer,
};

/// Configuration of the convolutional autoencoder.
#[derive(Config, Debug)]
pub struct ConvAutoencoderConfig {
    /// Image height (must be divisible by 4).
    #[config(default = 28)]
    pub height: usize,
    /// Image width (must be divisible by 4).
    #[config(default = 28)]
    pub width: usize,
    /// Channels of the outer convolutions.
    #[config(default = 16)]
    pub outer_channels: usize,
    /// Channels of the inner convolutions (and of the code).
    #[config(default = 8)]
    pub code_channels: usize,
    /// Activation of the hidden convolutions.
    #[config(default = "Activation::Relu")]
    pub hidden_activation: Activation,
    /// Activation of the output convolution.
    #[config(default = "Activation::Sigmoid")]
    pub output_activation: Activation,
}

/// The convolutional autoencoder.
#[derive(Module, Debug)]
pub struct ConvAutoencoder<B: Backend> {
    enc1: Conv2d<B>,
    enc2: Conv2d<B>,
    dec1: Conv2d<B>,
    dec2: Conv2d<B>,
    out: Conv2d<B>,
    pool: MaxPool2d,
    up: Interpolate2d,
    hidden: Activation,
    output: Activation,
    height: usize,
    width: usize,
    code_channels: usize,
}

impl ConvAutoencoderConfig {
    /// Checks the image size and channel counts.
    pub fn validate(&self) -> Result<()> {
        for (field, v) in [("height", self.height), ("width", self.width)] {
            if v == 0 || v % 4 != 0 {
                return Err(ModelError::invalid(
                    field,
                    format!("{v} is not a positive multiple of 4 (two 2x2 poolings)"),
                ));
            }
        }
        for (field, v) in [
            ("outer_channels", self.outer_channels),
            ("code_channels", self.code_channels),
        ] {
            if v == 0 {
                return Err(ModelError::invalid(field, "must be at least 1"));
            }
        }
        Ok(())
    }

    /// Builds the model (Glorot-uniform kernels, zero biases, as Keras).
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<ConvAutoencoder<B>> {
        self.validate()?;
        let (c1, c2) = (self.outer_channels, self.code_channels);
        Ok(ConvAutoencoder {
            enc1: same_conv(1, c1, device),
            enc2: same_conv(c1, c2, device),
            dec1: same_conv(c2, c2, device),
            dec2: same_conv(c2, c1, device),
            out: same_conv(c1, 1, device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            up: Interpolate2dConfig::new()
                .with_scale_factor(Some([2.0, 2.0]))
                .with_mode(InterpolateMode::Nearest)
                .init(),
            hidden: self.hidden_activation,
            output: self.output_activation,
            height: self.height,
            width: self.width,
            code_channels: c2,
        })
    }
}

/// A 3x3 'same' convolution with Glorot-uniform kernel and zero bias, as Keras builds it.
pub fn same_conv<B: Backend>(c_in: usize, c_out: usize, device: &B::Device) -> Conv2d<B> {
    let mut conv = Conv2dConfig::new([c_in, c_out], [3, 3])
        .with_padding(PaddingConfig2d::Same)
        .with_initializer(Initializer::XavierUniform { gain: 1.0 })
        .init(device);
    conv.bias = Some(Param::from_tensor(Tensor::zeros([c_out], device)));
    conv
}

impl<B: Backend> ConvAutoencoder<B> {
    /// Encoder on images.
    ///
    /// # Shapes
    /// - `x`: `[batch, 1, height, width]`
    /// - output: `[batch, code_channels, height/4, width/4]`
    pub fn encode_images(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let h = self.pooled_conv(&self.enc1, x);
        self.pooled_conv(&self.enc2, h)
    }

    /// An encoder layer: convolution, activation and pooling (one fused operation for ReLU).
    fn pooled_conv(&self, layer: &Conv2d<B>, x: Tensor<B, 4>) -> Tensor<B, 4> {
        if self.hidden == Activation::Relu {
            conv2d_relu_pool_layer(layer, &self.pool, x)
        } else {
            max_pool2d_layer(&self.pool, self.hidden.apply(conv2d_layer(layer, x)))
        }
    }

    /// A hidden layer: convolution and activation (one fused operation for ReLU).
    fn hidden_conv(&self, layer: &Conv2d<B>, x: Tensor<B, 4>) -> Tensor<B, 4> {
        if self.hidden == Activation::Relu {
            conv2d_relu_layer(layer, x)
        } else {
            self.hidden.apply(conv2d_layer(layer, x))
        }
    }

    /// Decoder on feature maps.
    ///
    /// # Shapes
    /// - `code`: `[batch, code_channels, height/4, width/4]`
    /// - output: `[batch, 1, height, width]`
    pub fn decode_images(&self, code: Tensor<B, 4>) -> Tensor<B, 4> {
        self.output.apply(self.decode_pre_activation(code))
    }

    /// A decoder layer: upsampling, convolution and activation (one fused operation for
    /// ReLU; the upsampled maps are never stored on the default backend).
    fn upsampled_hidden_conv(&self, layer: &Conv2d<B>, x: Tensor<B, 4>) -> Tensor<B, 4> {
        if self.hidden == Activation::Relu {
            upsample_conv2d_layer(&self.up, layer, x, FollowedBy::Relu)
        } else {
            let y = upsample_conv2d_layer(&self.up, layer, x, FollowedBy::Nothing);
            self.hidden.apply(y)
        }
    }

    fn decode_pre_activation(&self, code: Tensor<B, 4>) -> Tensor<B, 4> {
        let h = self.hidden_conv(&self.dec1, code);
        let h = self.upsampled_hidden_conv(&self.dec2, h);
        upsample_conv2d_layer(&self.up, &self.out, h, FollowedBy::Nothing)
    }

    fn unflatten_code(&self, code: Tensor<B, 2>) -> Tensor<B, 4> {
        let batch = code.dims()[0];
        code.reshape([batch, self.code_channels, self.height / 4, self.width / 4])
    }
}

impl<B: Backend> Autoencoder<B> for ConvAutoencoder<B> {
    fn encode(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        let batch = x.dims()[0];
        let code = self.encode_images(x.reshape([batch, 1, self.height, self.width]));
        code.reshape([batch, self.code_len()])
    }

    fn decode(&self, code: Tensor<B, 2>) -> Tensor<B, 2> {
        let batch = code.dims()[0];
        self.decode_images(self.unflatten_code(code))
            .reshape([batch, self.height * self.width])
    }

    fn decode_logits(&self, code: Tensor<B, 2>) -> Option<Tensor<B, 2>> {
        if self.output != Activation::Sigmoid {
            return None;
        }
        let batch = code.dims()[0];
        Some(
            self.decode_pre_activation(self.unflatten_code(code))
                .reshape([batch, self.height * self.width]),
        )
    }

    fn code_shape(&self) -> Vec<usize> {
        vec![self.code_channels, self.height / 4, self.width / 4]
    }
}
